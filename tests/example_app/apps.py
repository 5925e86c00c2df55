from kindred.core import declarations


class ExampleConfig(declarations.KindredApp):
    name = "tests.example_app"
    label = "example_app"
    verbose_name = "Example"
