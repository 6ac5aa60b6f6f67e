"""The ``dealos`` command line: core commands, plus those other packages register."""
