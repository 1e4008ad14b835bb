import { registry } from "@web/core/registry";

/**
 * An EV Manager settles March for every owner from Station Owners › Settle Owners and
 * sees the statements, the FLEX owner's payout paid. The Python side
 * (tests/test_ev_owner_access.py) starts it as a user holding only EV Manager.
 */
registry.category("web_tour.tours").add("ev_billing_owner_settle_tour", {
    steps: () => [
        {
            content: "Pick any day of March",
            trigger: ".modal .o_field_widget[name=month_date] input",
            run: "edit 03/15/2026 && press Tab",
        },
        {
            content: "The period follows the billing cycle",
            trigger: ".modal .o_field_widget[name=date_to]:contains(03/31/2026)",
        },
        {
            content: "Settle",
            trigger: ".modal button[name=action_settle]",
            run: "click",
        },
        {
            content: "The FLEX owner's statement, paid out",
            // settling posts, pays and emails three owners' documents in one request
            timeout: 60000,
            trigger:
                ".o_list_view .o_data_row:contains(Riverside Condominium):contains(3,420.90):contains(Paid) td[name=owner_id]",
            run: "click",
        },
        {
            content: "Its stations line by line",
            trigger: ".o_form_view .o_field_widget[name=line_ids] .o_data_row:contains(Riverside B):contains(112.90)",
        },
        {
            content: "The payout bill's number, for a Manager without accounting rights",
            trigger: ".o_form_view .o_field_widget[name=bill_name]:contains(BILL/)",
        },
    ],
});
