// Printer factory: picks the transport named by the kiosk config and wraps it in the printer service.
import type { Clock, Logger } from "../health.js";
import { ReceiptPrinter } from "./receipt-printer.js";
import { FileSinkTransport } from "./transports/file-sink.js";
import { SimulatedPrinterTransport } from "./transports/simulated.js";
import { Tcp9100Transport } from "./transports/tcp-9100.js";
import { UsblpTransport } from "./transports/usblp.js";
import type { PrinterConfigInput, PrinterTransport } from "./types.js";
import { printerConfigSchema } from "./types.js";

export interface PrinterDeps {
  logger: Logger;
  clock: Clock;
  /** Replaces the transport the config names (tests). */
  transport?: PrinterTransport;
}

export function createPrinterTransport(config: PrinterConfigInput, deps: Pick<PrinterDeps, "logger">): PrinterTransport {
  const cfg = printerConfigSchema.parse(config);
  switch (cfg.transport) {
    case "tcp":
      return new Tcp9100Transport(cfg, deps);
    case "usblp":
      return new UsblpTransport(cfg, deps);
    case "file":
      return new FileSinkTransport(cfg.path);
    case "simulated":
      return new SimulatedPrinterTransport();
  }
}

export function createPrinter(config: PrinterConfigInput, deps: PrinterDeps): ReceiptPrinter {
  const cfg = printerConfigSchema.parse(config);
  const transport = deps.transport ?? createPrinterTransport(cfg, deps);
  return new ReceiptPrinter({ transport, config: cfg, logger: deps.logger, clock: deps.clock });
}
