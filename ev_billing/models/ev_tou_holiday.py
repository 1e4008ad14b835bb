import logging
from datetime import date

from odoo import _, api, fields, models, tools
from odoo.exceptions import UserError, ValidationError

_logger = logging.getLogger(__name__)

# Thai public holidays that the utilities (MEA/PEA) do not bill at the off-peak rate:
# the TOU holiday list is the statutory holidays on their own date, without substitute
# days, the Royal Ploughing Ceremony or the one-off (bridge, special) holidays the
# cabinet adds in a given year. Matched on the English names of the PyPI ``holidays``
# package; a Manager can edit any day.
NOT_OFF_PEAK_MARKERS = (
    "(in lieu)",
    "Bridge Public Holiday",
    "Royal Ploughing Ceremony",
    "National Children's Day",
    "Day of Mourning",
    "Royal Cremation Ceremony",
    "Coronation Celebrations",
)


def _is_utility_off_peak(english_name):
    """Whether a holiday (all its names, '; '-separated) is an off-peak day for the
    utility."""
    return any(
        not any(marker in part for marker in NOT_OFF_PEAK_MARKERS)
        for part in english_name.split("; ")
    )


class EvTouHoliday(models.Model):
    """A public holiday of the time-of-use calendar: off-peak all day when ``off_peak``
    is set."""

    _name = "ev.tou.holiday"
    _description = "TOU Public Holiday"
    _order = "date"

    name = fields.Char(required=True)
    date = fields.Date(required=True, index=True)
    year = fields.Integer(compute="_compute_year", store=True, index=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    off_peak = fields.Boolean(
        string="Off-Peak",
        default=True,
        help="Charged at the off-peak rate all day. Substitute days, the Royal "
        "Ploughing Ceremony and one-off bridge holidays are not off-peak for the Thai "
        "utilities, so they are generated unticked.",
    )
    source = fields.Selection(
        [("generated", "Generated"), ("manual", "Manual")],
        default="manual",
        required=True,
        readonly=True,
    )

    _sql_constraints = [
        (
            "date_company_uniq",
            "unique(date, company_id)",
            "There is already a holiday on this date.",
        ),
    ]

    @api.depends("date")
    def _compute_year(self):
        for holiday in self:
            holiday.year = holiday.date.year if holiday.date else 0

    @api.constrains("date", "company_id")
    def _check_date_unique(self):
        for holiday in self:
            if self.search_count(
                [
                    ("date", "=", holiday.date),
                    ("company_id", "=", holiday.company_id.id),
                    ("id", "!=", holiday.id),
                ]
            ):
                raise ValidationError(
                    _("There is already a holiday on %s.", holiday.date)
                )

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        self.env.registry.clear_cache()
        return records

    def write(self, vals):
        result = super().write(vals)
        if {"date", "company_id", "off_peak"} & set(vals):
            self.env.registry.clear_cache()
        return result

    def unlink(self):
        result = super().unlink()
        self.env.registry.clear_cache()
        return result

    @api.model
    @tools.ormcache("company_id")
    def _ev_off_peak_dates(self, company_id):
        """Frozen set of the company's off-peak holiday dates (cached, cleared on any
        change)."""
        rows = self.sudo().search_read(
            [("company_id", "=", company_id), ("off_peak", "=", True)], ["date"]
        )
        return frozenset(row["date"] for row in rows)

    @api.model
    def _ev_generate(self, year, companies=None, country_code="TH"):
        """Create the public holidays of ``year`` from the PyPI ``holidays`` package.

        Days already in the list (generated earlier or typed by hand) are left as they
        are, so running it again never undoes an edit. Returns the created holidays.
        """
        try:
            # optional external dependency, imported when used
            import holidays as holidays_lib
        except ImportError as error:
            raise UserError(
                _("The Python package 'holidays' is not installed on the server.")
            ) from error
        if not 1970 <= year <= 2100:
            raise UserError(_("Pick a year between 1970 and 2100."))
        companies = companies or self.env.company
        english = holidays_lib.country_holidays(
            country_code,
            years=year,
            categories=("public", "government"),
            language="en_US",
        )
        lang = (self.env.lang or "en_US").split("_")[0]
        local = english
        if lang != "en":
            supported = getattr(
                holidays_lib.country_holidays(country_code), "supported_languages", ()
            )
            match = next(
                (code for code in supported if code.split("_")[0] == lang), None
            )
            if match:
                local = holidays_lib.country_holidays(
                    country_code,
                    years=year,
                    categories=("public", "government"),
                    language=match,
                )
        created = self.browse()
        for company in companies:
            existing = set(
                self.search(
                    [("company_id", "=", company.id), ("year", "=", year)]
                ).mapped("date")
            )
            vals_list = [
                {
                    "name": local.get(day, name),
                    "date": day,
                    "company_id": company.id,
                    "off_peak": _is_utility_off_peak(name),
                    "source": "generated",
                }
                for day, name in sorted(english.items())
                if day not in existing
            ]
            created |= self.create(vals_list)
        return created

    @api.model
    def _cron_generate_holidays(self):
        """Yearly: make sure every company has this year's and next year's holidays."""
        this_year = date.today().year
        companies = self.env["res.company"].search([])
        for year in (this_year, this_year + 1):
            # Only years not generated yet: a company that cleaned up a year keeps it
            # clean.
            for company in companies:
                if not self.search_count(
                    [
                        ("company_id", "=", company.id),
                        ("year", "=", year),
                        ("source", "=", "generated"),
                    ]
                ):
                    self._ev_generate(year, company)
