# Condenses run.sh's output: one line per run with each step's server CPU seconds (difference of
# two pg_cpu.sh readings) and the run's total.  awk -f summary.awk run-output.txt
/^(shared|part) tenant/ { if (head != "") print head " |" line " | total " sprintf("%.2f", tot) " s CPU, " sprintf("%.2f", wall / 1000) " s wall"
                          head = $0; line = ""; prev = ""; tot = 0; wall = 0; next }
/^Time: / { wall += $2 }
/^cpu / { if (prev != "" && $2 != "created") { d = $3 - prev; tot += d; line = line " " $2 " " sprintf("%.2f", d) }
          else if ($2 == "created") tot += $3 - prev
          prev = $3 }
END { if (head != "") print head " |" line " | total " sprintf("%.2f", tot) " s CPU, " sprintf("%.2f", wall / 1000) " s wall" }
