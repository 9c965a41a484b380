"""The data layer: typed models, migrations and the queries the bot needs."""
