"""After-visit feedback from the enterprise: ratings (评价) and complaints (投诉), handled by the supervisor."""
