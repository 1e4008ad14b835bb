"""Batch billing (issue 14): sessions closed before it were billed inside the event
request. They are marked billed; their charges keep the wallet payment they were
settled with (posted documents are not rewritten: both shapes post the same debits
and credits on the deposit and receivable accounts, see README "Batch billing")."""


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        """
        UPDATE ev_session
           SET billing_state = 'billed'
         WHERE billing_state IS NULL
           AND (state = 'done' OR invoice_id IS NOT NULL)
        """
    )
