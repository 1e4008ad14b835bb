from odoo_stub import wait_for
from ocpp.v16 import call


async def test_boot_and_heartbeat(harness, odoo):
    cp = await harness.charger("CP-1")
    boot = await cp.call(call.BootNotification(charge_point_vendor="V", charge_point_model="M"))
    assert boot.status == "Accepted"
    assert boot.interval == 120
    hb = await cp.call(call.Heartbeat())
    assert hb.current_time
    await wait_for(lambda: "heartbeat" in odoo.kinds("CP-1") and "boot" in odoo.kinds("CP-1"))
