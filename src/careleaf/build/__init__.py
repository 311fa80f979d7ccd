"""The build: plan, render handouts in workers, build sites, verify, publish."""
