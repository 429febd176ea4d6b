# Reference numbers from R `survey` (Lumley) for tests/survey/test_reference_r.py.
# R is not a dependency of the project: this script was run once and its output is stored
# beside it. To run again (apt-get install -y r-cran-survey):
#   .venv/bin/python tests/reference_r/make_inputs.py build/warehouse.duckdb
#   Rscript tests/reference_r/reference.R tests/reference_r
# Writes r_tests.csv, r_intervals.csv and r_rake.csv into the folder given.
suppressMessages(library(survey))
options(digits = 17)
dir <- commandArgs(trailingOnly = TRUE)[1]
rd <- function(name) read.csv(file.path(dir, name), stringsAsFactors = FALSE)
samples <- list(
  build_polls = rd("build_polls.csv"),
  build_talk_london = rd("build_talk_london.csv"),
  synthetic = rd("synthetic.csv")
)

# Significance: the two groups compared ('rest': everybody else in the base), restricted to the
# base of the indicator; Rao-Scott F on svydesign(ids = ~1, weights = ~weight), and Pearson's
# chi-square without continuity correction on the unweighted table.
cases <- rd("cases_tests.csv")
out <- vector("list", nrow(cases))
for (i in seq_len(nrow(cases))) {
  cs <- cases[i, ]
  d <- samples[[cs$sample]]
  grp <- d[[paste0("grp_", cs$breakdown)]]
  in_g1 <- !is.na(grp) & grp == cs$group_id
  if (cs$compared_with == "rest") {
    keep <- rep(TRUE, nrow(d))
  } else {
    keep <- in_g1 | (!is.na(grp) & grp == cs$compared_with)
  }
  keep <- keep & !is.na(d[[cs$y_column]])
  dd <- data.frame(y = d[[cs$y_column]][keep], side = ifelse(in_g1[keep], "g1", "g2"),
                   weight = d$weight[keep])
  f <- ddf <- pf_ <- x2 <- px2 <- NA
  if (length(unique(dd$side)) == 2 && length(unique(dd$y)) == 2) {
    des <- svydesign(ids = ~1, weights = ~weight, data = dd)
    r <- svychisq(~y + side, des, statistic = "F")
    f <- unname(r$statistic); ddf <- unname(r$parameter["ddf"]); pf_ <- r$p.value
    p <- suppressWarnings(chisq.test(table(dd$y, dd$side), correct = FALSE))
    x2 <- unname(p$statistic); px2 <- p$p.value
  }
  out[[i]] <- data.frame(case = cs$case, n = nrow(dd), r_f = f, r_ddf = ddf, r_p_f = pf_,
                         r_x2 = x2, r_p_x2 = px2)
}
write.csv(do.call(rbind, out), file.path(dir, "r_tests.csv"), row.names = FALSE)

# Intervals of a share in one group (or the total) over the indicator's base: svyciprop logit on
# the weighted design, and the Wilson interval of prop.test(correct = FALSE) on the counts.
cases <- rd("cases_intervals.csv")
out <- vector("list", nrow(cases))
for (i in seq_len(nrow(cases))) {
  cs <- cases[i, ]
  d <- samples[[cs$sample]]
  keep <- !is.na(d[[cs$y_column]])
  if (cs$breakdown != "total") {
    grp <- d[[paste0("grp_", cs$breakdown)]]
    keep <- keep & !is.na(grp) & grp == cs$group_id
  }
  dd <- data.frame(y = d[[cs$y_column]][keep], weight = d$weight[keep])
  lo <- hi <- est <- wl <- wh <- NA
  if (nrow(dd) >= 2) {
    des <- svydesign(ids = ~1, weights = ~weight, data = dd)
    ci <- suppressWarnings(svyciprop(~y, des, method = "logit"))
    est <- as.numeric(ci); lo <- attr(ci, "ci")[1]; hi <- attr(ci, "ci")[2]
    w <- prop.test(sum(dd$y), nrow(dd), correct = FALSE)$conf.int
    wl <- w[1]; wh <- w[2]
  }
  out[[i]] <- data.frame(case = cs$case, n = nrow(dd), r_estimate = est, r_logit_lower = lo,
                         r_logit_upper = hi, r_wilson_lower = wl, r_wilson_upper = wh)
}
write.csv(do.call(rbind, out), file.path(dir, "r_intervals.csv"), row.names = FALSE)

# Raking: survey::rake from weight 1 to the margins' targets (population = target x n), run to
# convergence (the default control stops after 10 iterations or a change of 1 in a weight).
targets <- rd("rake_targets.csv")
out <- list()
for (s in unique(targets$sample)) {
  d <- rd(paste0(s, ".csv"))
  d$one <- 1
  tg <- targets[targets$sample == s, ]
  margins <- unique(tg$margin)
  pops <- lapply(margins, function(m) {
    t <- tg[tg$margin == m, ]
    p <- data.frame(factor(t$category, levels = t$category), t$target * nrow(d))
    names(p) <- c(m, "Freq")
    p
  })
  for (m in margins) d[[m]] <- factor(d[[m]], levels = tg$category[tg$margin == m])
  des <- svydesign(ids = ~1, weights = ~one, data = d)
  raked <- rake(des, lapply(margins, function(m) as.formula(paste0("~", m))), pops,
                control = list(maxit = 1000, epsilon = 1e-12))
  w <- weights(raked)
  out[[s]] <- data.frame(sample = s, row = d$row, r_weight = w / mean(w))
}
write.csv(do.call(rbind, out), file.path(dir, "r_rake.csv"), row.names = FALSE)
