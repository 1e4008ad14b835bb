"""Wallets become per driver and per company (issue 8).

The stored, all-companies ``res_partner.ev_wallet_balance`` is replaced by figures
computed per company from the ledger: drop its column, and rewrite each ledger line's
running balance as the running balance of its own company's wallet.
"""

from odoo.tools import SQL


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        SQL("""
        UPDATE ev_wallet_transaction line
           SET balance_after = running.balance
          FROM (SELECT id, SUM(amount) OVER (
                           PARTITION BY partner_id, company_id ORDER BY id
                       ) AS balance
                  FROM ev_wallet_transaction) running
         WHERE running.id = line.id
    """)
    )
    cr.execute(SQL("ALTER TABLE res_partner DROP COLUMN IF EXISTS ev_wallet_balance"))
