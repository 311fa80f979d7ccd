"""The mkdocs-macros module: declares the macros a page may call, and nothing else.

The logic lives in careleaf (the plugin renders, careleaf.pages checks every call before
mkdocs-macros runs). No variables, filters or other callables are offered to pages.
"""

from careleaf.pages import MACROS


def define_env(env):
    """Register the page macros, bound to this build's careleaf plugin."""
    if "careleaf" not in env.conf["plugins"]:
        # An engine run on its own (`zensical build`): it would publish pages without
        # careleaf's blocks, and nothing would prove them.
        raise RuntimeError(
            "careleaf composes this project's pages: publish with `careleaf build` "
            "(see README, 'Site engines'), not with the site engine on its own"
        )
    plugin = env.conf["plugins"]["careleaf"]

    def block(block_id, style="default", level=2):
        return plugin.macro_block(block_id, style=style, level=level)

    def handout_link(handout_id):
        return plugin.macro_handout_link(handout_id, env.page)

    def handouts():
        return plugin.macro_handouts(env.page)

    declared = {"block": block, "handout_link": handout_link, "handouts": handouts}
    assert declared.keys() == MACROS.keys(), "macros/ and careleaf.pages.MACROS disagree"
    for name, function in declared.items():
        env.macro(function, name)
