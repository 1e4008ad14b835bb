from odoo.tests import TransactionCase, tagged
from odoo.tools.misc import file_path
from odoo.tools.translate import PoFileReader, TranslationModuleReader


@tagged("post_install", "-at_install")
class TestEvTranslations(TransactionCase):
    """Thai first: every term the product owns has a Thai translation."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with open(file_path("ev_billing/i18n/th.po"), "rb") as po:
            cls.thai = {
                entry["src"]: entry["value"]
                for entry in PoFileReader(po)
                if entry["value"]
            }

    def test_every_term_has_thai(self):
        """The terms exported from the running module (code, views, fields, selections,
        reports, templates, data), not only those of the committed .pot."""
        reader = TranslationModuleReader(self.env.cr, modules=["ev_billing"])
        missing = sorted(
            {
                source
                for module, _t, _n, _r, source, _v, _c in reader
                if module == "ev_billing"
            }
            - set(self.thai)
        )
        self.assertFalse(
            missing,
            "%d terms have no Thai translation in ev_billing/i18n/th.po, e.g.:\n%s"
            % (len(missing), "\n".join(missing[:20])),
        )

    def test_pot_is_current(self):
        """ev_billing.pot is what translators start from: it lists the same terms."""
        with open(file_path("ev_billing/i18n/ev_billing.pot"), "rb") as pot:
            committed = {entry["src"] for entry in PoFileReader(pot)}
        reader = TranslationModuleReader(self.env.cr, modules=["ev_billing"])
        exported = {
            source for module, *_x, source, _v, _c in reader if module == "ev_billing"
        }
        self.assertFalse(exported - committed, "scripts/i18n-export refreshes the .pot")

    def test_thai_is_loaded(self):
        """The Thai file loads: a driver whose language is Thai reads the product in
        Thai."""
        self.env["res.lang"]._activate_lang("th_TH")
        self.env["ir.module.module"]._load_module_terms(["ev_billing"], ["th_TH"])
        field = self.env["ir.model.fields"]._get("ev.session", "energy_kwh")
        self.assertEqual(
            field.with_context(lang="th_TH").field_description, "พลังงาน (kWh)"
        )
