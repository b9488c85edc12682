"""The roles of a region's contact persons, one set of words for the console's handover
tools and the admin page."""

from keerpunt.web.strings import N_

CONTACT_ROLES = {
    "role_zorgcoordinator": N_("Care coordinator, human trafficking"),
    "role_avim": N_("AVIM (police unit for human trafficking)"),
    "role_municipality": N_("Municipality"),
    "role_youth_care": N_("Youth care"),
    "role_other": N_("Other contact"),
}
