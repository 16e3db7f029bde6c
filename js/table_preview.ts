// TablePreview: anywidget front end for ipyartifacts.widgets.TablePreview.
import { renderTable } from "./lib/table_widget";

export default { render: renderTable };
