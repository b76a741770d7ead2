/** @file dox.h A header for doxygen to read. */
/** A queue of jobs. */
struct queue {
	int head; /**< first slot */
	int tail; /**< one past the last */
};
/** Adds @p job to @p q.  @return 0, or -1 when full. */
int queue_push(struct queue *q, int job);
/** Takes the oldest job.  @param q the queue  @return the job */
int queue_pop(struct queue *q);
/** A class with a template member. */
class Registry {
public:
	/** Looks @p key up. */
	template <typename T> T *find(const char *key);
	/** How many entries. */
	int size() const;
};
