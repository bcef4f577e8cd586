"""The supervisor's figures (监督指标), their exports and the dashboard."""
