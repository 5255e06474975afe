/**
 * A YAML parse error in marginbook's words: the `yaml` package's messages address its API users
 * ("please use YAML.parseAllDocuments()") and end in a colon before the code frame they expect.
 */
import type { YAMLError } from "yaml";

export function yamlProblem(error: YAMLError): string {
  if (error.code === "MULTIPLE_DOCS")
    return "more than one YAML document (a `---` line starts another one): give one document";
  if (error.code === "DUPLICATE_KEY") return "a key is written twice in one mapping: write it once";
  return (error.message.split("\n")[0] ?? "").replace(/ at line \d+, column \d+:?$/, "").replace(/:$/, "");
}
