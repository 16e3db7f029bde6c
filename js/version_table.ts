// VersionTable: anywidget front end for ipyartifacts.widgets.VersionTable (a selectable,
// sortable, filterable grid of a collection's versions; selection syncs to `selected`).
import { renderTable } from "./lib/table_widget";

export default { render: renderTable };
