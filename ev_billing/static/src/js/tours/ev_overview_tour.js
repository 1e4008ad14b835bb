import { registry } from "@web/core/registry";

/**
 * Monitoring › Overview is live: the Python side (tests/test_ev_backend_tour.py) makes a
 * charger report "Charging" on a connector once the board is shown; the board shows it
 * without a reload.
 */
registry.category("web_tour.tours").add("ev_billing_overview_live_tour", {
    steps: () => [
        {
            content: "The board shows the connector available",
            trigger: ".o_ev_overview .o_ev_connector[data-status=Available]:contains(#1)",
            run() {
                // marks this page: a reload would drop it
                window.evOverviewNotReloaded = true;
            },
        },
        {
            content: "The offline charger comes first",
            trigger: ".o_ev_station .row > div:first-child .o_ev_charger.o_ev_offline",
        },
        {
            content: "The connector turns to Charging without a reload",
            trigger: ".o_ev_overview .o_ev_connector[data-status=Charging]",
            timeout: 20000,
        },
        {
            content: "Same page, and the counters follow",
            trigger: ".o_ev_count_charging .o_ev_count_value:contains(1)",
            run() {
                if (!window.evOverviewNotReloaded) {
                    throw new Error("The Overview was reloaded");
                }
            },
        },
    ],
});
