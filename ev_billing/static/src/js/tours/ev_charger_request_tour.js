import { registry } from "@web/core/registry";

/**
 * An EV Administrator opens Management › Unknown Chargers, picks the station of a
 * charger that knocked with an unknown identity, clicks Register and sets the
 * password it will present. The Python side (tests/test_ev_ocpp_hardening.py) checks
 * the new charger and its password.
 */
registry.category("web_tour.tours").add("ev_billing_register_unknown_charger", {
    steps: () => [
        {
            content: "The unknown charger is listed",
            trigger: ".o_list_view .o_data_row .o_data_cell[name=identity]:contains(NEW-CP-7)",
        },
        {
            content: "Edit its row",
            trigger: ".o_data_row .o_data_cell[name=station_id]",
            run: "click",
        },
        {
            content: "Type the station",
            trigger: ".o_selected_row .o_field_widget[name=station_id] input",
            run: "edit Test Station",
        },
        {
            content: "Pick it",
            trigger: ".o-autocomplete--dropdown-item a:contains(Test Station)",
            run: "click",
        },
        {
            content: "Register",
            trigger: ".o_data_row button[name=action_register]",
            run: "click",
        },
        {
            content: "Set the charger's password",
            trigger: ".modal .o_field_widget[name=password] input",
            run: "edit tour-s3cret",
        },
        {
            content: "Apply",
            trigger: ".modal .modal-footer button[name=action_apply]",
            run: "click",
        },
        {
            content: "The password dialog is closed",
            trigger: "body:not(:has(.modal))",
        },
    ],
});
