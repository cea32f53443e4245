"""The git hooks' checks: pre-commit on a clone, pre-receive on the central repository.

``precommit`` checks the staged records; ``receive`` judges what a push does to main
(the whole change, whoever carries it) and who pushed it; ``advice`` words what to do
after a refusal.  The shims in the project's ``hooks/`` folder call these through
``shinchoku hook``.
"""
