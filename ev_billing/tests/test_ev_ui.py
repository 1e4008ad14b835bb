from odoo.tests import HttpCase, tagged

from .common import EvBillingCommon


@tagged("post_install", "-at_install")
class TestEvUi(HttpCase, EvBillingCommon):
    """What an Operator clicks, in headless Chromium."""

    def test_operator_creates_driver_and_assigns_card(self):
        self.start_tour(
            "/odoo/action-ev_billing.res_partner_action_ev_driver",
            "ev_billing_driver_tour",
            login=self.user_operator.login,
        )
        driver = self.env["res.partner"].search([("name", "=", "Tour Driver Narin")])
        self.assertEqual(len(driver), 1)
        self.assertTrue(driver.ev_is_driver)
        self.assertEqual(driver.mobile, "+66871112233")
        self.assertEqual(driver.create_uid, self.user_operator)
        self.assertEqual(driver.ev_id_tag_ids.mapped("tag"), ["04AB7C9D"])
        self.assertEqual(driver.ev_id_tag_ids.name, "Tour key fob")
        self.assertEqual(driver.ev_id_tag_ids.status, "Accepted")
        self.assertEqual(driver.ev_id_tag_ids.company_id, self.company)
