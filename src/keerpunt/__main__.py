from keerpunt.cli import app

app(prog_name="keerpunt")
