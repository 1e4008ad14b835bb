"""DataTransfer vendor handlers.

OCPP 1.6 (DataTransfer.conf): a central system that does not know the
``vendorId`` answers ``UnknownVendorId``; one that knows the vendor but not the
``messageId`` answers ``UnknownMessageId``. A vendor is known when a handler is
registered for it here, in code::

    @vendors.register("com.example")
    async def example(service, identity, vendor_id, message_id, data):
        return "Accepted", None          # (status, data to answer)

or, to pass a vendor's messages on to Odoo as ``data_transfer`` events (chatter
of the charger), by listing its id in ``DATA_TRANSFER_VENDORS``.
"""

HANDLERS = {}


def register(vendor_id):
    def decorator(handler):
        HANDLERS[vendor_id] = handler
        return handler

    return decorator


async def forward_to_odoo(service, identity, vendor_id, message_id, data):
    """The default handler of ``DATA_TRANSFER_VENDORS``: record it for Odoo."""
    await service.record(
        identity,
        "data_transfer",
        {"vendor_id": vendor_id, "message_id": message_id, "data": data},
    )
    return "Accepted", None


def handler_for(vendor_id, forwarded=()):
    """The handler of ``vendor_id``, or None (UnknownVendorId)."""
    handler = HANDLERS.get(vendor_id)
    if handler is None and vendor_id in forwarded:
        handler = forward_to_odoo
    return handler
