"""The analyst page: campaigns, the dashboard and reports, for analysts and admins."""
