package io.mlcycle.mlcore.eval;

/**
 * DeLong's paired comparison of two ROC AUCs on the same examples.
 *
 * @param aucA            AUC of scores A
 * @param aucB            AUC of scores B
 * @param difference      aucA - aucB
 * @param standardError   standard error of the difference
 * @param z               difference / standardError (0 when both are 0; +/-infinity when only the error is 0)
 * @param pValueOneSided  P(Z >= z): the evidence that A is better than B
 * @param pValueTwoSided  P(|Z| >= |z|)
 */
public record DeLongResult(double aucA, double aucB, double difference, double standardError, double z,
                           double pValueOneSided, double pValueTwoSided) {
}
