from . import ocpp
from . import quote
from . import portal
from . import connector
from . import owner_portal
from . import login
from . import line_login
from . import session
