import { registry } from "@web/core/registry";

/**
 * A driver on a 390 px phone buys 5 kWh on a connector's QR page (flat 7.00 per kWh), lands
 * on the live page and watches it change without a reload as the charger's events reach
 * Odoo, stops, gets the receipt, and finds it again under My Charging. The charger is played
 * by tests/test_ev_session_portal.py, which posts the OCPP events to Odoo's event route when
 * the driver's clicks reach the bridge. `source` is how the values reach the page: "bus"
 * (websocket) or "poll" (the fallback).
 */
function journey(source) {
    const live = `.o_ev_live[data-live-source=${source}]`;
    return [
        {
            content: "The QR page prices the default 10 kWh",
            trigger: ".o_ev_quote_total:contains(70.00)",
        },
        {
            content: "Buy 5 kWh",
            trigger: ".o_ev_kwh_preset_5",
            run: "click",
        },
        {
            trigger: ".o_ev_quote_total:contains(35.00)",
        },
        {
            content: "Start charging",
            trigger: ".o_ev_start_button:enabled",
            run: "click",
        },
        {
            content: "The live page: waiting for the charger, 5 kWh bought",
            trigger: ".o_ev_live .o_ev_live_bought:contains(5.000)",
            run() {
                // Gone if the page reloads: checked at the end.
                window.evLivePageNotReloaded = true;
            },
        },
        ...(source === "bus"
            ? [
                  {
                      content: "The page listens on the websocket",
                      trigger: ".o_ev_live[data-bus-connected]",
                  },
              ]
            : []),
        {
            content: "The charger started and metered 2.5 kWh: the page shows it by itself",
            trigger: `${live} .o_ev_live_energy:contains(2.500)`,
        },
        {
            trigger: ".o_ev_live_state:contains(Charging)",
        },
        {
            content: "power, battery, cost so far and time left",
            trigger: ".o_ev_live_power:contains(7.2)",
        },
        {
            trigger: ".o_ev_live_soc_box:not(.d-none) .o_ev_live_soc:contains(55)",
        },
        {
            trigger: ".o_ev_live_amount:contains(17.50)",
        },
        {
            trigger: ".o_ev_live_minutes_left:contains(21)",
        },
        {
            content: "Stop charging",
            trigger: ".o_ev_live_stop",
            run: "click",
        },
        {
            content: "The stop is confirmed on the page",
            trigger: ".o_ev_live_notice:contains(Stop sent to the charger)",
        },
        {
            content: "The charger stopped and the car left: done, billed",
            trigger: `${live} .o_ev_live_state:contains(Done)`,
        },
        {
            content: "The receipt is there at once",
            trigger: ".o_ev_live_receipt .o_ev_receipt_total:contains(28.00)",
        },
        {
            trigger: ".o_ev_live_receipt .o_ev_receipt_line:contains(Energy):contains(4.000 kWh)",
        },
        {
            trigger: ".o_ev_live_receipt .o_ev_receipt_vat:contains(1.83)",
        },
        {
            trigger: ".o_ev_live_amount:contains(28.00)",
        },
        {
            content: "with its abbreviated tax invoice, HTML and PDF",
            trigger:
                ".o_ev_receipt_open[href*='/receipt?'][href*='access_token='][href*='report_type=html']",
        },
        {
            trigger: ".o_ev_receipt_pdf[href*='report_type=pdf']",
        },
        {
            content: "Nothing left to stop, and the page never reloaded",
            trigger: ".o_ev_live_stop_form.d-none:not(:visible)",
            run() {
                if (!window.evLivePageNotReloaded) {
                    throw new Error("The live page was reloaded.");
                }
            },
        },
        {
            content: "My Charging",
            trigger: ".o_portal_submenu a[href='/my/ev/sessions']",
            run: "click",
        },
        {
            content: "The session is listed with its receipt",
            trigger: ".o_ev_session_card .o_ev_receipt_total:contains(28.00)",
        },
        {
            trigger: ".o_ev_totals_count:contains(1)",
        },
    ];
}

registry.category("web_tour.tours").add("ev_billing_session_live_tour", {
    steps: () => journey("bus"),
});

registry.category("web_tour.tours").add("ev_billing_session_poll_tour", {
    steps: () => journey("poll"),
});
