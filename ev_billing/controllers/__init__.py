from . import quote
