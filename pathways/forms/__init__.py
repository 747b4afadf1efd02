"""WTForms forms of the workspaces. They parse and type the input; the rules live in the services."""
