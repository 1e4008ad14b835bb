from odoo.exceptions import AccessError


def ev_report_docs(env, model, docids, group_xmlid):
    """The records a report prints, read as superuser once the caller's EV rights are
    checked.

    The documents behind a receipt (invoice, payment, journal) belong to Accounting,
    which EV levels do not get; the EV level that may print the report reads them
    through it. Portal drivers print only their own records (record rules).
    """
    docs = env[model].browse(docids)
    if not env.su:
        docs.check_access("read")
        user = env.user
        if not (user.share or user.has_group(group_xmlid)):
            group = env.ref(group_xmlid)
            raise AccessError(
                env._(
                    "Printing %(document)s needs the EV level %(level)s.",
                    document=env[model]._description,
                    level=group.name,
                )
            )
    return docs.sudo()
