import { registry } from "@web/core/registry";

/**
 * A driver opens their wallet on the portal, types an amount and is taken to Odoo's payment
 * page for it. The Python side (tests/test_ev_wallet_portal.py) starts it as a portal user.
 */
registry.category("web_tour.tours").add("ev_billing_wallet_topup_tour", {
    steps: () => [
        {
            content: "The wallet shows the balance",
            trigger: ".o_ev_wallet .o_ev_wallet_balance",
        },
        {
            content: "Type the amount to top up",
            trigger: ".o_ev_wallet_topup_form input[name=amount]",
            run: "edit 300",
        },
        {
            content: "Top up online",
            trigger: ".o_ev_wallet_topup_form .o_ev_wallet_topup_online",
            run: "click",
        },
        {
            content: "The payment page asks for the amount typed",
            trigger: "#o_payment_summary_amount:contains(300.00)",
        },
        {
            content: "for a wallet top-up of this driver",
            trigger: "#o_payment_summary_reference:contains(EVW-)",
        },
    ],
});
