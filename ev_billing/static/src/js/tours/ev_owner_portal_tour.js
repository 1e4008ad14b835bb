import { registry } from "@web/core/registry";

/**
 * A FLEX station owner logs in, opens My Stations from the portal home, sees their
 * stations live with the revenue chart, opens March's statement (payout and when it
 * was paid) and a station's sessions. The Python side (tests/test_ev_owner_portal.py)
 * starts it as the owner's portal user.
 */
registry.category("web_tour.tours").add("ev_billing_owner_portal_tour", {
    steps: () => [
        {
            content: "The portal home offers My Stations",
            trigger: "a[href='/my/stations']",
            run: "click",
        },
        {
            content: "The owner's stations, with their connectors' live status",
            trigger: ".o_ev_owner_station_row:contains(Riverside A) .o_ev_connector_status",
        },
        {
            content: "No other owner's station",
            trigger: ".o_ev_owner_stations:not(:contains(Sukhumvit))",
        },
        {
            content: "Revenue by month: March has a bar",
            trigger: ".o_ev_revenue_by_month .o_ev_revenue_bar[data-amount='4280.0']",
        },
        {
            content: "March's statement is paid",
            trigger: ".o_ev_owner_statement_row:contains(2026) .o_ev_statement_paid",
        },
        {
            content: "Open the statement",
            trigger: ".o_ev_owner_statement_row a.o_ev_statement_link",
            run: "click",
        },
        {
            content: "The payout of March",
            trigger: ".o_ev_statement_payout:contains(3,420.90)",
        },
        {
            content: "per station",
            trigger: ".o_ev_statement_line:contains(Riverside B):contains(112.90)",
        },
        {
            content: "The statement can be downloaded as Excel",
            trigger: "a.o_ev_statement_xlsx",
        },
        {
            content: "Back to the stations",
            trigger: "a[href='/my/stations']:contains(My Stations)",
            run: "click",
        },
        {
            content: "Open Riverside A",
            trigger: "a.o_ev_station_link:contains(Riverside A)",
            run: "click",
        },
        {
            content: "Its sessions, without the drivers",
            trigger: ".o_ev_owner_station .o_ev_owner_session_row:contains(20.000):not(:contains(Somchai))",
        },
    ],
});
