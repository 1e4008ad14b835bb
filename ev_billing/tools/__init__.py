from .phone import ev_phone_e164, ev_looks_like_phone
