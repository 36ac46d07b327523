"""Models of the 766 framework, snapshots and scores."""
