import io

from odoo import _, api, fields, models

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# column widths by field type (characters)
WIDTHS = {"datetime": 18, "date": 12, "many2one": 26, "char": 20, "selection": 14}


class EvXlsxExport(models.TransientModel):
    """An EV list as an Excel file: the rows the list shows with its filter applied (or
    the selected rows), headers in the user's language, and totals.

    Lists call it from an "Export to Excel" header button; the file is kept on the
    transient record and downloaded from there.
    """

    _name = "ev.xlsx.export"
    _description = "EV Excel Export"

    res_model = fields.Char(required=True, readonly=True)
    row_count = fields.Integer(readonly=True)
    attachment_id = fields.Many2one("ir.attachment", readonly=True)

    @api.model
    def _ev_records(self, model):
        """What the list shows: the selected rows, or every row its domain matches,
        read as the user (access rules apply)."""
        context = self.env.context
        Model = self.env[model].with_context(active_test=True)
        if context.get("active_model") == model and context.get("active_ids"):
            return Model.search([("id", "in", context["active_ids"])])
        return Model.search(context.get("active_domain") or [])

    @api.model
    def _ev_cell(self, record, fname):
        field = record._fields[fname]
        value = record[fname]
        if field.type == "many2one":
            return value.sudo().display_name or ""
        if field.type == "selection":
            return dict(field._description_selection(self.env)).get(value, "")
        if field.type == "datetime":
            return (
                fields.Datetime.context_timestamp(record, value).replace(tzinfo=None)
                if value
                else None
            )
        if field.type in ("float", "monetary", "integer"):
            return value
        return value or ""

    @api.model
    def _ev_export(self, records, columns, title, sheet_name):
        """An ``ev.xlsx.export`` with ``records`` written as ``columns`` (field names,
        numeric ones summed in a Total row) and the download action."""
        import openpyxl
        from openpyxl.styles import Font

        # headers, labels and dates in the user's language and time zone
        user = self.env.user
        self = self.with_context(
            lang=self.env.context.get("lang") or user.lang,
            tz=self.env.context.get("tz") or user.tz,
        )
        records = records.with_env(self.env)
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.title = sheet_name[:31]
        company = self.env.company
        sheet.append([title])
        sheet["A1"].font = Font(bold=True, size=13)
        sheet.append(
            [
                company.name,
                fields.Datetime.context_timestamp(self, fields.Datetime.now()).strftime(
                    "%Y-%m-%d %H:%M"
                ),
            ]
        )
        sheet.append([])
        field_objects = [records._fields[fname] for fname in columns]
        sheet.append([field._description_string(self.env) for field in field_objects])
        header_row = sheet.max_row
        for cell in sheet[header_row]:
            cell.font = Font(bold=True)
        for index, field in enumerate(field_objects, start=1):
            letter = openpyxl.utils.get_column_letter(index)
            sheet.column_dimensions[letter].width = WIDTHS.get(field.type, 14)
        totals = dict.fromkeys(
            (f.name for f in field_objects if f.type in ("float", "monetary")), 0.0
        )
        for record in records:
            sheet.append([self._ev_cell(record, fname) for fname in columns])
            for fname in totals:
                totals[fname] += record[fname] or 0.0
        sheet.append([])
        total_row = [
            round(totals[fname], 3) if fname in totals else None for fname in columns
        ]
        total_row[0] = _("Total (%(count)s rows)", count=len(records))
        sheet.append(total_row)
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
        for index, field in enumerate(field_objects, start=1):
            number_format = {
                "monetary": "#,##0.00",
                "float": "#,##0.000",
                "datetime": "yyyy-mm-dd hh:mm",
            }.get(field.type)
            if number_format:
                for row in sheet.iter_rows(
                    min_row=header_row + 1, min_col=index, max_col=index
                ):
                    row[0].number_format = number_format
        buffer = io.BytesIO()
        workbook.save(buffer)
        today = fields.Date.context_today(self)
        export = self.create({"res_model": records._name, "row_count": len(records)})
        # an attachment with its type given: Odoo would otherwise sniff the zip content
        export.attachment_id = self.env["ir.attachment"].create(
            {
                "name": f"{sheet_name.lower().replace(' ', '_')}_{today}.xlsx",
                "raw": buffer.getvalue(),
                "mimetype": XLSX_MIMETYPE,
                "res_model": self._name,
                "res_id": export.id,
            }
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{export.attachment_id.id}?download=true",
            "target": "download",
        }
