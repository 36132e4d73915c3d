// Entry of the web console: Ant Design with its zh-CN locale (English switchable), the session, and the screens.
import { createRoot } from "react-dom/client";
import { App } from "./App";

createRoot(document.getElementById("root")!).render(<App />);
