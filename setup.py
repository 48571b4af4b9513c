"""Packaging glue: the product's folders (server/, kiosk/, ...) install as hallq.* packages.

pyproject.toml holds the metadata; this file only maps the top-level folders of the
repository onto the ``hallq`` import namespace, which declarative configuration cannot do
for nested packages.
"""

from setuptools import find_packages, setup

ROOTS = {
    "hallq": "hallq",
    "hallq.server": "server",
    "hallq.hardware": "hardware",
    "hallq.kiosk": "kiosk",
    "hallq.counter": "counter",
}

packages: list[str] = []
package_dir: dict[str, str] = {}
for name, folder in ROOTS.items():
    package_dir[name] = folder
    packages.append(name)
    packages += [f"{name}.{sub}" for sub in find_packages(folder)]

setup(
    packages=packages,
    package_dir=package_dir,
    package_data={
        "": ["*.kv", "*.yaml", "*.json", "*.ini", "*.mako", "*.html", "*.js", "*.css",
             "*.wav", "*.ttf", "*.md", "*.svg", "*.png", "*.txt", "*.csv"],
    },
    include_package_data=True,
)
