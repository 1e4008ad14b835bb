import { registry } from "@web/core/registry";

/**
 * A driver on a 390 px phone scans a connector's QR code and logs in with LINE: LINE (a fake
 * LINE platform on localhost in tests/test_ev_line_login.py) sends them back to the QR page,
 * logged in as a new driver.
 */
registry.category("web_tour.tours").add("ev_billing_line_login_tour", {
    steps: () => [
        {
            content: "The QR page offers LINE",
            trigger: ".o_ev_connector_page .o_ev_login_line",
            run: "click",
        },
        {
            content: "Back from LINE on the QR page, logged in as a driver who can start",
            trigger: ".o_ev_connector_page .o_ev_start_button",
            run() {
                if (document.querySelector(".o_ev_login, .o_ev_login_line")) {
                    throw new Error("Still asked to log in");
                }
            },
        },
    ],
});
