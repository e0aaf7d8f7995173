"""Report categories as data the admin manages: names, descriptions and questions in Dutch and English,
severities and response targets. Reports, Open311, statistics and mail read them from here."""
