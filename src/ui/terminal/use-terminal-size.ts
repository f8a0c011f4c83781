import { useStdout } from "ink";
import { useEffect } from "react";

/** Reports the terminal size now and on every resize (Ink itself stops listening under CI=true). */
export function useTerminalSize(onSize: (columns: number, rows: number) => void): void {
  const { stdout } = useStdout();
  useEffect(() => {
    const report = () => onSize(stdout.columns || 80, stdout.rows || 24);
    report();
    stdout.on("resize", report);
    return () => {
      stdout.off("resize", report);
    };
  }, [stdout, onSize]);
}
