import { registry } from "@web/core/registry";

/**
 * A driver on a connector's QR page (flat 7.00 per kWh, Member) picks kWh: the price and the
 * estimated time follow every change. The Python side (tests/test_ev_connector_page.py) starts it.
 */
registry.category("web_tour.tours").add("ev_billing_connector_quote_tour", {
    steps: () => [
        {
            content: "The default 10 kWh are priced before anything starts",
            trigger: ".o_ev_quote_total:contains(70.00)",
        },
        {
            content: "with the energy line and the estimated time",
            trigger: ".o_ev_quote_lines .o_ev_quote_line:contains(70.00)",
        },
        {
            content: "Type 5 kWh",
            trigger: ".o_ev_kwh_input",
            run: "edit 5",
        },
        {
            content: "The price follows",
            trigger: ".o_ev_quote_total:contains(35.00)",
        },
        {
            content: "Change to 12.5 kWh",
            trigger: ".o_ev_kwh_input",
            run: "edit 12.5",
        },
        {
            content: "The price follows again",
            trigger: ".o_ev_quote_total:contains(87.50)",
        },
        {
            content: "Press the 40 kWh preset",
            trigger: ".o_ev_kwh_preset_40",
            run: "click",
        },
        {
            content: "40 kWh are priced",
            trigger: ".o_ev_quote_total:contains(280.00)",
        },
        {
            content: "Press the 5 kWh preset",
            trigger: ".o_ev_kwh_preset_5",
            run: "click",
        },
        {
            content: "5 kWh are priced, with a duration",
            trigger: ".o_ev_quote_result:contains(35.00):contains(min)",
        },
        {
            content: "A nonsense amount is refused without a price",
            trigger: ".o_ev_kwh_input",
            run: "edit 0",
        },
        {
            content: "and starting is disabled",
            trigger: ".o_ev_quote_error:not(.d-none):contains(Enter the kWh to buy)",
        },
        {
            trigger: ".o_ev_start_button:disabled",
        },
    ],
});
