"""Start the app: ``python scripts/serve.py [streamlit options]`` (the README's first command calls it).

Streamlit treats a folder named ``pages/`` beside the main script as an old-style multipage app until
the main script has called ``st.navigation`` once in this process: a first visitor who opens a deep
link such as ``/register`` would get the page without the app's frame. The users asked for a
``pages/`` folder, so the launcher tells Streamlit up front that ``app.py`` does the routing.
"""

import sys
from pathlib import Path

from streamlit.runtime.pages_manager import PagesManager
from streamlit.web import cli

ROOT = Path(__file__).resolve().parent.parent

if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    from core import access, config
    from core import db as dbmod
    from core.basemap import publish_local_tiles

    config.keep_files_private()  # the database, evidence, backups and exports: the service user's alone
    PagesManager.uses_pages_directory = False
    database = dbmod.connect()
    publish_local_tiles(database, access.System("系统（启动）"))  # local map tiles from the data directory, if any
    database.close()
    sys.argv = ["streamlit", "run", str(ROOT / "app.py"), *sys.argv[1:]]
    sys.exit(cli.main())
