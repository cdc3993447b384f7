"""Programme files (*.yaml): when a school contacts its leavers. Loaded by bot.scheduling.

A package only so that the YAML files ship with the wheel as package data.
"""
