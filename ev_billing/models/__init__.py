from . import ev_trash_mixin
from . import ev_trash
from . import ev_station
from . import ev_charger
from . import ev_connector
from . import ev_id_tag
from . import res_partner
from . import res_users
