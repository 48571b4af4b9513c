"""Web pages the hall server serves: call displays, the floor manager's dashboard, reports,
administration and the public ticket status page."""
