"""Records moving between deployments: a school's whole archive as a BagIt bag (a school
that leaves or joins a district), and schools merged on one deployment (реорганизация)."""
