/* Does almost nothing: leaktrace's fixed cost per run (start, attach, report). */
int main(void)
{
	return 0;
}
