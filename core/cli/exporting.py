"""placeholder"""
USER_COMMANDS: list = []
