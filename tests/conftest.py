pytest_plugins = ["e2e.plugin"]
