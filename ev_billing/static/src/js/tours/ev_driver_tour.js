import { registry } from "@web/core/registry";

/**
 * An EV Operator opens Management › Users, creates a driver with a mobile number,
 * and gives them an RFID card typed the way it is read off a card: lower case, with spaces.
 * The Python side (tests/test_ev_ui.py) checks the saved driver and the normalised card UID.
 */
registry.category("web_tour.tours").add("ev_billing_driver_tour", {
    steps: () => [
        {
            content: "The drivers list is open",
            trigger: ".o_breadcrumb:contains(Users)",
        },
        {
            content: "Create a driver",
            trigger: ".o_control_panel_main_buttons .o_list_button_add",
            run: "click",
        },
        {
            content: "Name the driver",
            trigger: ".o_form_view .o_field_widget[name=name] input",
            run: "edit Tour Driver Narin",
        },
        {
            content: "The mobile number is the driver's portal login",
            trigger: ".o_form_view .o_field_widget[name=mobile] input",
            run: "edit +66 87 111 2233",
        },
        {
            content: "Open the EV Charging tab",
            trigger: ".o_notebook .nav-link:contains(EV Charging)",
            run: "click",
        },
        {
            content: "The new contact is a driver already",
            trigger: ".o_field_widget[name=ev_is_driver] input:checked",
        },
        {
            content: "Add an RFID card",
            trigger: "div[name=ev_id_tag_ids] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            content: "Type the card UID as printed, lower case with spaces",
            trigger: "div[name=ev_id_tag_ids] .o_data_row.o_selected_row .o_field_widget[name=tag] input",
            run: "edit 04 ab 7c 9d",
        },
        {
            content: "Label the card",
            trigger: "div[name=ev_id_tag_ids] .o_data_row.o_selected_row .o_field_widget[name=name] input",
            run: "edit Tour key fob",
        },
        {
            content: "Save the driver",
            trigger: ".o_form_view .o_form_button_save",
            run: "click",
        },
        {
            content: "Saved: the card shows its normalised UID",
            trigger: ".o_form_saved div[name=ev_id_tag_ids] .o_data_row .o_data_cell[name=tag]:contains(04AB7C9D)",
        },
    ],
});
