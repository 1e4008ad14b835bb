import { registry } from "@web/core/registry";

/**
 * An EV Administrator opens EV Charging › Management › EV Settings, changes the abbreviated tax
 * invoice prefix and the minimum balance to start, and saves. The Python side
 * (tests/test_ev_settings.py) starts it as a user holding only EV Administrator.
 */
registry.category("web_tour.tours").add("ev_billing_settings_tour", {
    steps: () => [
        {
            content: "Open the apps menu",
            trigger: ".o_navbar_apps_menu button",
            run: "click",
        },
        {
            content: "Open EV Charging",
            trigger: '.o_app[data-menu-xmlid="ev_billing.menu_ev_root"]',
            run: "click",
        },
        {
            content: "Open Management",
            trigger: '.o_menu_sections button[data-menu-xmlid="ev_billing.menu_ev_management"]',
            run: "click",
        },
        {
            content: "Open EV Settings",
            trigger: '.dropdown-item[data-menu-xmlid="ev_billing.menu_ev_settings"]',
            run: "click",
        },
        {
            content: "The current company's EV Settings",
            trigger: ".o_form_view .o_field_widget[name=name]:contains(EV Test Company)",
        },
        {
            content: "Change the prefix",
            trigger: ".o_form_view .o_field_widget[name=ev_abb_prefix] input",
            run: "edit RCP",
        },
        {
            content: "Change the minimum balance to start",
            trigger: ".o_form_view .o_field_widget[name=ev_wallet_min_balance] input",
            run: "edit 80",
        },
        {
            // Saving a company makes Odoo's web client reload the page
            // (company_service: "reload_context"): mark this page so that the last
            // step waits for the reloaded one, rather than ending the tour while
            // the reload's requests are in flight.
            content: "Mark the page before saving",
            trigger: "body",
            run() {
                document.body.classList.add("o_ev_settings_before_save");
            },
        },
        {
            content: "Save",
            trigger: ".o_form_view .o_form_button_save",
            run: "click",
        },
        {
            content: "Saved, and the page reloaded with the saved settings",
            trigger: "body:not(.o_ev_settings_before_save) .o_form_view .o_form_saved",
        },
    ],
});
