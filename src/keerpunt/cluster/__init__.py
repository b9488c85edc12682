"""Running as several server processes: scheduled jobs claimed once across the cluster."""
