import { registry } from "@web/core/registry";

/**
 * A first-time driver on a 390 px phone scans a connector's QR code, logs in with their phone
 * number and the code received by SMS, and is back on the QR page as a driver. The Python side
 * (tests/test_ev_login.py) fakes the SMS provider and checks the text it was asked to send.
 */
function assertNoHorizontalScroll() {
    const overflow = document.documentElement.scrollWidth - window.innerWidth;
    if (overflow > 0) {
        throw new Error(`The page scrolls sideways by ${overflow}px`);
    }
}

registry.category("web_tour.tours").add("ev_billing_phone_signup_tour", {
    steps: () => [
        {
            content: "The QR page fits the phone",
            trigger: ".o_ev_connector_page .o_ev_quote_total",
            run: assertNoHorizontalScroll,
        },
        {
            content: "and offers to log in to charge",
            trigger: ".o_ev_connector_page .o_ev_login",
            run: "click",
        },
        {
            content: "Type the mobile number as on a Thai SIM card",
            trigger: ".o_ev_login_phone_form input[name=phone]",
            run: "edit 089 555 1234",
        },
        {
            content: "Ask for the code",
            trigger: ".o_ev_login_send",
            run: "click",
        },
        {
            content: "The code page names the number in full",
            trigger: ".o_ev_login_sent .o_ev_login_phone:contains(+66895551234)",
            run() {
                assertNoHorizontalScroll();
            },
        },
        {
            content: "Type the code received by SMS",
            trigger: ".o_ev_login_code_form input[name=code]",
            run: "edit 424242",
        },
        {
            content: "Log in",
            trigger: ".o_ev_login_verify",
            run: "click",
        },
        {
            content: "Back on the QR page, logged in as a driver who can start",
            trigger: ".o_ev_connector_page .o_ev_start_button",
            run() {
                assertNoHorizontalScroll();
                if (document.querySelector(".o_ev_login")) {
                    throw new Error("Still asked to log in");
                }
            },
        },
    ],
});
